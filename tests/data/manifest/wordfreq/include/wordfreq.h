#ifndef WORDFREQ_H
#define WORDFREQ_H

#ifndef MAX_WORDS
#error "compile with -DMAX_WORDS=N (the manifest's compile_flags set it)"
#endif

#define MAX_WORD_LENGTH 32

struct word_count {
  char word[MAX_WORD_LENGTH];
  int count;
};

/* Adds one occurrence of word to the table of n entries; returns the new n. */
int add_word(struct word_count *table, int n, const char *word);
/* Sorts by decreasing count, then alphabetically. */
void sort_counts(struct word_count *table, int n);

#endif
