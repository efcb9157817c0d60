/* Prints the time: two runs of the same program differ. */
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  printf("%ld.%09ld\n", (long)now.tv_sec, now.tv_nsec);
  return 0;
}
