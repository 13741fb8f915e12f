/* main - placeholder until the command lands */
#include <stdio.h>
int
main(void)
{
	fputs("scrubgate: not built yet\n", stderr);
	return 69;
}
