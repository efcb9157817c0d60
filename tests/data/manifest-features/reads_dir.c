/* Prints the two files of its input directory. */
#include <stdio.h>

static void print(const char *path) {
  char line[64];
  FILE *in = fopen(path, "r");
  if (!in) {
    printf("missing %s\n", path);
    return;
  }
  while (fgets(line, sizeof line, in))
    fputs(line, stdout);
  fclose(in);
}

int main(void) {
  print("data/a.txt");
  print("data/sub/b.txt");
  return 0;
}
