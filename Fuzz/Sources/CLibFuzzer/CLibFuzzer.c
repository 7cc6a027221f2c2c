// The module is a declaration only: LLVMFuzzerRunDriver comes from libFuzzer's runtime.
#include "CLibFuzzer.h"
