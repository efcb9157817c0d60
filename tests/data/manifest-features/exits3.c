/* Exits with 3 after explaining itself. */
#include <stdio.h>

int main(void) {
  fprintf(stderr, "usage: exits3 FILE\n");
  return 3;
}
