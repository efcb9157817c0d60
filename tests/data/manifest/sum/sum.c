// Reads integers from stdin; prints their count, sum and maximum, each sum
// scaled by the factor given as the only argument.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long factor = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
  long value, sum = 0, max = 0, count = 0;
  while (scanf("%ld", &value) == 1) {
    sum += value * factor;
    if (count == 0 || value > max)
      max = value;
    ++count;
  }
  printf("count: %ld\nsum: %ld\nmax: %ld\n", count, sum, max);
  return count > 0 ? 0 : 1;
}
