/* Leaves three children behind that left its process group and closed
   their output: a process-group kill does not reach them. */
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void) {
  for (int i = 0; i < 3; ++i) {
    if (fork() == 0) {
      setsid();
      prctl(PR_SET_NAME, "pgym-orphan");
      close(0);
      close(1);
      close(2);
      sleep(30);
      _exit(0);
    }
  }
  puts("parent done");
  return 0;
}
