// RocksDB's C API as a Swift module (Debian's librocksdb-dev, pkg-config name `rocksdb`).
#ifndef HERALD_CROCKSDB_SHIM_H
#define HERALD_CROCKSDB_SHIM_H
#include <rocksdb/c.h>
#endif
