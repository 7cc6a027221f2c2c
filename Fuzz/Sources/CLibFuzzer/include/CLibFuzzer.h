#ifndef HERALD_FUZZ_CLIBFUZZER_H
#define HERALD_FUZZ_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (in the runtime `-sanitize=fuzzer` links). SwiftPM gives every executable a
// `main` of its own, so the targets call the driver from there instead of relying on libFuzzer's.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
