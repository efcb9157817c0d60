/* Prints a variable of its environment. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char *greeting = getenv("GREETING");
  printf("%s\n", greeting ? greeting : "(unset)");
  return 0;
}
