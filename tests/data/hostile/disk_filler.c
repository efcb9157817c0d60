/* Writes twelve files of 32 MiB each into its run directory. */
#include <stdio.h>
#include <string.h>

int main(void) {
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  for (int f = 0; f < 12; ++f) {
    char name[32];
    snprintf(name, sizeof name, "fill%d.bin", f);
    FILE *out = fopen(name, "wb");
    if (!out)
      return 1;
    for (int m = 0; m < 32; ++m)
      fwrite(block, 1, sizeof block, out);
    fclose(out);
  }
  puts("filled");
  return 0;
}
