// Counts the words of the file named by argv[1] and writes each distinct word
// with its count, most frequent first, to the file named by argv[2].
#include "wordfreq.h"

#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: wordfreq INPUT OUTPUT\n");
    return 2;
  }
  FILE *in = fopen(argv[1], "r");
  if (!in)
    return 3;
  static struct word_count table[MAX_WORDS];
  char word[MAX_WORD_LENGTH];
  int n = 0, total = 0;
  while (fscanf(in, "%31s", word) == 1) {
    n = add_word(table, n, word);
    ++total;
  }
  fclose(in);
  sort_counts(table, n);
  FILE *out = fopen(argv[2], "w");
  if (!out)
    return 4;
  for (int i = 0; i < n; ++i)
    fprintf(out, "%s %d\n", table[i].word, table[i].count);
  fclose(out);
  printf("words: %d\ndistinct: %d\n", total, n);
  return 0;
}
