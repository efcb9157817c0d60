/* Runs for a minute: long enough to be interrupted. */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void) {
  prctl(PR_SET_NAME, "pgym-sleeper");
  sleep(60);
  puts("woke");
  return 0;
}
