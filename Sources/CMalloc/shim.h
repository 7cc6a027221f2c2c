// glibc's malloc tuning (mallopt, M_ARENA_MAX, malloc_trim): Swift's Glibc module leaves out <malloc.h>.
#include <malloc.h>
