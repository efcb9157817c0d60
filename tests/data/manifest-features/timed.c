/* Prints how long it took (different every run) and writes its result to a
   file (the same every run). */
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  unsigned long sum = 0;
  for (unsigned long i = 0; i < 100000; ++i)
    sum += i * i % 7;
  clock_gettime(CLOCK_MONOTONIC, &end);
  printf("took %ld ns\n", (long)(end.tv_nsec - start.tv_nsec));
  FILE *out = fopen("result.txt", "w");
  fprintf(out, "%lu\n", sum);
  fclose(out);
  return 0;
}
