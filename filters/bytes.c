/* bytes - ASCII byte helpers the filters share (see bytes.h). */
#include "bytes.h"

/* bytes_same_ci - a[0,n) equals b[0,n), ASCII case-insensitively */
int
bytes_same_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bytes_lower((unsigned char)a[i]) != bytes_lower((unsigned char)b[i]))
			return 0;
	return 1;
}
