/* Tries to kill whoever started it (passgym), then says so. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  int refused = kill(getppid(), SIGKILL) != 0;
  printf("kill refused: %d\n", refused);
  return 0;
}
