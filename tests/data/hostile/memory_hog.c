/* Allocates and touches 256 MiB at a time until an allocation fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  const size_t chunk = (size_t)256 << 20;
  size_t total = 0;
  for (int i = 0; i < 64; ++i) {
    char *block = malloc(chunk);
    if (!block)
      break;
    memset(block, 1, chunk);
    total += chunk;
  }
  printf("allocated %zu MiB\n", total >> 20);
  return 0;
}
