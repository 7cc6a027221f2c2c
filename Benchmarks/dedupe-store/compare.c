// The router's de-duplication store candidates, side by side on the same workload: SQLite
// (WAL, synchronous=NORMAL, 8 MiB page cache), LMDB (no sync: the store is a cache of the
// changelog) and RocksDB (WAL without sync, 8 MiB block cache holding the partitioned index and
// bloom filter blocks, 8 MiB memtables). Each run: insert N keys in transactions of 500 (a routing batch), look up N keys
// (half present, half absent), expire the oldest 10 % by first-seen time, then restore N keys
// from scratch into a new store in transactions of 4096 (a changelog replay).
// Usage: compare sqlite|lmdb|rocksdb N DIR   (run `Benchmarks/dedupe-store/run.sh N` for both)
#include <lmdb.h>
#include <rocksdb/c.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int make_key(char *out, long i) {
    return sprintf(out, "/shops/shop-%ld|evt_%016lx", i % 1000, (unsigned long)(i * 2654435761u) ^ (unsigned long)i);
}

static long rss_peak_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kib = atol(line + 6);
    if (f) fclose(f);
    return kib;
}

#define CHECK_SQL(x) do { if ((x) != SQLITE_OK && (x) != SQLITE_DONE && (x) != SQLITE_ROW) { fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db)); exit(1); } } while (0)

static sqlite3 *sqlite_open(const char *path) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) { fprintf(stderr, "open %s\n", path); exit(1); }
    CHECK_SQL(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-8192;"
        "CREATE TABLE IF NOT EXISTS keys(key TEXT PRIMARY KEY, first_seen INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX IF NOT EXISTS keys_by_time ON keys(first_seen);", 0, 0, 0));
    return db;
}

static void sqlite_insert(sqlite3 *db, long from, long to, long batch) {
    sqlite3_stmt *put;
    char key[96];
    CHECK_SQL(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO keys(key, first_seen) VALUES(?, ?)", -1, &put, 0));
    for (long i = from; i < to;) {
        CHECK_SQL(sqlite3_exec(db, "BEGIN", 0, 0, 0));
        for (long end = i + batch; i < end && i < to; i++) {
            int n = make_key(key, i);
            sqlite3_bind_text(put, 1, key, n, SQLITE_STATIC);
            sqlite3_bind_int64(put, 2, i);
            CHECK_SQL(sqlite3_step(put));
            sqlite3_reset(put);
        }
        CHECK_SQL(sqlite3_exec(db, "COMMIT", 0, 0, 0));
    }
    sqlite3_finalize(put);
}

static void run_sqlite(long n, const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/live.sqlite", dir);
    sqlite3 *db = sqlite_open(path);
    double t0 = now();
    sqlite_insert(db, 0, n, 500);
    double t1 = now();
    sqlite3_stmt *get;
    char key[96];
    long found = 0;
    CHECK_SQL(sqlite3_prepare_v2(db, "SELECT 1 FROM keys WHERE key = ?", -1, &get, 0));
    for (long i = 0; i < n; i++) {
        int n2 = make_key(key, (i % 2) ? i : n + i);
        sqlite3_bind_text(get, 1, key, n2, SQLITE_STATIC);
        if (sqlite3_step(get) == SQLITE_ROW) found++;
        sqlite3_reset(get);
    }
    double t2 = now();
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM keys WHERE first_seen < %ld", n / 10);
    CHECK_SQL(sqlite3_exec(db, sql, 0, 0, 0));
    double t3 = now();
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/restored.sqlite", dir);
    db = sqlite_open(path);
    double t4 = now();
    sqlite_insert(db, 0, n, 4096);
    double t5 = now();
    sqlite3_close(db);
    printf("sqlite n=%ld insert/s=%.0f lookup/s=%.0f found=%ld expire10%%=%.2fs restore=%.2fs restore/s=%.0f peakRSS=%ldMiB\n",
           n, n / (t1 - t0), n / (t2 - t1), found, t3 - t2, t5 - t4, n / (t5 - t4), rss_peak_kib() / 1024);
}

#define CHECK_MDB(x) do { int rc_ = (x); if (rc_) { fprintf(stderr, "lmdb %s: %s\n", #x, mdb_strerror(rc_)); exit(1); } } while (0)

static void lmdb_open(const char *path, MDB_env **env, MDB_dbi *keys, MDB_dbi *byTime) {
    CHECK_MDB(mdb_env_create(env));
    CHECK_MDB(mdb_env_set_mapsize(*env, (size_t)64 << 30));
    CHECK_MDB(mdb_env_set_maxdbs(*env, 2));
    CHECK_MDB(mdb_env_open(*env, path, MDB_NOSUBDIR | MDB_NOSYNC | MDB_NOMETASYNC | MDB_NORDAHEAD, 0644));
    MDB_txn *txn;
    CHECK_MDB(mdb_txn_begin(*env, 0, 0, &txn));
    CHECK_MDB(mdb_dbi_open(txn, "keys", MDB_CREATE, keys));
    CHECK_MDB(mdb_dbi_open(txn, "by_time", MDB_CREATE, byTime));
    CHECK_MDB(mdb_txn_commit(txn));
}

static void lmdb_insert(MDB_env *env, MDB_dbi keys, MDB_dbi byTime, long from, long to, long batch) {
    char key[96], timeKey[112];
    for (long i = from; i < to;) {
        MDB_txn *txn;
        CHECK_MDB(mdb_txn_begin(env, 0, 0, &txn));
        for (long end = i + batch; i < end && i < to; i++) {
            int n = make_key(key, i);
            uint64_t t = __builtin_bswap64((uint64_t)i);
            MDB_val k = {n, key}, v = {8, &t};
            CHECK_MDB(mdb_put(txn, keys, &k, &v, 0));
            memcpy(timeKey, &t, 8);
            memcpy(timeKey + 8, key, n);
            MDB_val tk = {8 + n, timeKey}, empty = {0, ""};
            CHECK_MDB(mdb_put(txn, byTime, &tk, &empty, 0));
        }
        CHECK_MDB(mdb_txn_commit(txn));
    }
}

static void run_lmdb(long n, const char *dir) {
    char path[512];
    MDB_env *env;
    MDB_dbi keys, byTime;
    snprintf(path, sizeof path, "%s/live.lmdb", dir);
    lmdb_open(path, &env, &keys, &byTime);
    double t0 = now();
    lmdb_insert(env, keys, byTime, 0, n, 500);
    double t1 = now();
    char key[96];
    long found = 0;
    MDB_txn *txn;
    CHECK_MDB(mdb_txn_begin(env, 0, MDB_RDONLY, &txn));
    for (long i = 0; i < n; i++) {
        int n2 = make_key(key, (i % 2) ? i : n + i);
        MDB_val k = {n2, key}, v;
        if (mdb_get(txn, keys, &k, &v) == 0) found++;
    }
    mdb_txn_abort(txn);
    double t2 = now();
    CHECK_MDB(mdb_txn_begin(env, 0, 0, &txn));
    MDB_cursor *cursor;
    CHECK_MDB(mdb_cursor_open(txn, byTime, &cursor));
    MDB_val tk, v;
    while (mdb_cursor_get(cursor, &tk, &v, MDB_FIRST) == 0) {
        uint64_t t;
        memcpy(&t, tk.mv_data, 8);
        if ((long)__builtin_bswap64(t) >= n / 10) break;
        MDB_val k = {tk.mv_size - 8, (char *)tk.mv_data + 8};
        CHECK_MDB(mdb_del(txn, keys, &k, 0));
        CHECK_MDB(mdb_cursor_del(cursor, 0));
    }
    mdb_cursor_close(cursor);
    CHECK_MDB(mdb_txn_commit(txn));
    double t3 = now();
    mdb_env_close(env);
    snprintf(path, sizeof path, "%s/restored.lmdb", dir);
    lmdb_open(path, &env, &keys, &byTime);
    double t4 = now();
    lmdb_insert(env, keys, byTime, 0, n, 4096);
    double t5 = now();
    mdb_env_close(env);
    printf("lmdb   n=%ld insert/s=%.0f lookup/s=%.0f found=%ld expire10%%=%.2fs restore=%.2fs restore/s=%.0f peakRSS=%ldMiB\n",
           n, n / (t1 - t0), n / (t2 - t1), found, t3 - t2, t5 - t4, n / (t5 - t4), rss_peak_kib() / 1024);
}

#define CHECK_ROCKS(call) do { char *err_ = NULL; call; if (err_) { fprintf(stderr, "rocksdb: %s\n", err_); exit(1); } } while (0)

static rocksdb_t *rocks_open(const char *path, rocksdb_options_t **keep) {
    rocksdb_options_t *options = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(options, 1);
    rocksdb_options_set_write_buffer_size(options, 8 << 20);
    rocksdb_options_set_max_write_buffer_number(options, 2);
    rocksdb_block_based_table_options_t *table = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(table, rocksdb_cache_create_lru(8 << 20));
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 1);
    rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(table, 1);
    rocksdb_block_based_options_set_index_type(table, rocksdb_block_based_table_index_type_two_level_index_search);
    rocksdb_block_based_options_set_partition_filters(table, 1);
    rocksdb_block_based_options_set_metadata_block_size(table, 4096);
    rocksdb_block_based_options_set_filter_policy(table, rocksdb_filterpolicy_create_bloom(10));
    rocksdb_options_set_block_based_table_factory(options, table);
    rocksdb_t *db;
    CHECK_ROCKS(db = rocksdb_open(options, path, &err_));
    *keep = options;
    return db;
}

static void rocks_insert(rocksdb_t *db, long from, long to, long batch) {
    rocksdb_writeoptions_t *write = rocksdb_writeoptions_create();
    char key[96], byKey[100], byTime[112];
    for (long i = from; i < to;) {
        rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
        for (long end = i + batch; i < end && i < to; i++) {
            int n = make_key(key, i);
            uint64_t t = __builtin_bswap64((uint64_t)i);
            byKey[0] = 'k';
            memcpy(byKey + 1, key, n);
            rocksdb_writebatch_put(wb, byKey, 1 + n, (const char *)&t, 8);
            byTime[0] = 't';
            memcpy(byTime + 1, &t, 8);
            memcpy(byTime + 9, key, n);
            rocksdb_writebatch_put(wb, byTime, 9 + n, "", 0);
        }
        CHECK_ROCKS(rocksdb_write(db, write, wb, &err_));
        rocksdb_writebatch_destroy(wb);
    }
    rocksdb_writeoptions_destroy(write);
}

static void run_rocksdb(long n, const char *dir) {
    char path[512];
    rocksdb_options_t *options;
    snprintf(path, sizeof path, "%s/live.rocksdb", dir);
    rocksdb_t *db = rocks_open(path, &options);
    double t0 = now();
    rocks_insert(db, 0, n, 500);
    double t1 = now();
    rocksdb_readoptions_t *read = rocksdb_readoptions_create();
    char key[96], byKey[100];
    long found = 0;
    for (long i = 0; i < n; i++) {
        int n2 = make_key(key, (i % 2) ? i : n + i);
        byKey[0] = 'k';
        memcpy(byKey + 1, key, n2);
        size_t length;
        char *value;
        CHECK_ROCKS(value = rocksdb_get(db, read, byKey, 1 + n2, &length, &err_));
        if (value) { found++; rocksdb_free(value); }
    }
    double t2 = now();
    rocksdb_iterator_t *it = rocksdb_create_iterator(db, read);
    rocksdb_writebatch_t *wb = rocksdb_writebatch_create();
    for (rocksdb_iter_seek(it, "t", 1); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t length;
        const char *k = rocksdb_iter_key(it, &length);
        uint64_t t;
        memcpy(&t, k + 1, 8);
        if (k[0] != 't' || (long)__builtin_bswap64(t) >= n / 10) break;
        byKey[0] = 'k';
        memcpy(byKey + 1, k + 9, length - 9);
        rocksdb_writebatch_delete(wb, byKey, 1 + length - 9);
        rocksdb_writebatch_delete(wb, k, length);
    }
    rocksdb_iter_destroy(it);
    rocksdb_writeoptions_t *write = rocksdb_writeoptions_create();
    CHECK_ROCKS(rocksdb_write(db, write, wb, &err_));
    double t3 = now();
    rocksdb_close(db);
    snprintf(path, sizeof path, "%s/restored.rocksdb", dir);
    db = rocks_open(path, &options);
    double t4 = now();
    rocks_insert(db, 0, n, 4096);
    double t5 = now();
    rocksdb_close(db);
    printf("rocksdb n=%ld insert/s=%.0f lookup/s=%.0f found=%ld expire10%%=%.2fs restore=%.2fs restore/s=%.0f peakRSS=%ldMiB\n",
           n, n / (t1 - t0), n / (t2 - t1), found, t3 - t2, t5 - t4, n / (t5 - t4), rss_peak_kib() / 1024);
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s sqlite|lmdb|rocksdb N DIR\n", argv[0]); return 2; }
    long n = atol(argv[2]);
    if (n <= 0) { fprintf(stderr, "N must be a positive number of keys\n"); return 2; }
    if (strcmp(argv[1], "sqlite") == 0) run_sqlite(n, argv[3]);
    else if (strcmp(argv[1], "lmdb") == 0) run_lmdb(n, argv[3]);
    else if (strcmp(argv[1], "rocksdb") == 0) run_rocksdb(n, argv[3]);
    else { fprintf(stderr, "unknown store %s (sqlite, lmdb or rocksdb)\n", argv[1]); return 2; }
    return 0;
}
