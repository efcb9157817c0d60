#include "wordfreq.h"

#include <string.h>

int add_word(struct word_count *table, int n, const char *word) {
  for (int i = 0; i < n; ++i) {
    if (strcmp(table[i].word, word) == 0) {
      ++table[i].count;
      return n;
    }
  }
  if (n == MAX_WORDS)
    return n;
  strncpy(table[n].word, word, MAX_WORD_LENGTH - 1);
  table[n].word[MAX_WORD_LENGTH - 1] = '\0';
  table[n].count = 1;
  return n + 1;
}

static int before(const struct word_count *a, const struct word_count *b) {
  if (a->count != b->count)
    return a->count > b->count;
  return strcmp(a->word, b->word) < 0;
}

void sort_counts(struct word_count *table, int n) {
  for (int i = 1; i < n; ++i) {
    struct word_count item = table[i];
    int j = i - 1;
    while (j >= 0 && before(&item, &table[j])) {
      table[j + 1] = table[j];
      --j;
    }
    table[j + 1] = item;
  }
}
