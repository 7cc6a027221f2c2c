// Avro C as a Swift module (Debian's libavro-dev, pkg-config name `avro-c`).
// Avro C's `avro_value_*` accessors are macros, which Swift cannot call; each gets a
// `static inline` function of the same name with a `herald_` prefix.
#ifndef HERALD_CAVRO_SHIM_H
#define HERALD_CAVRO_SHIM_H
#include <errno.h>
#include <avro.h>

static inline int herald_avro_value_reset(avro_value_t *value) {
    return value->iface->reset == NULL ? EINVAL : value->iface->reset(value->iface, value->self);
}
static inline avro_type_t herald_avro_value_get_type(avro_value_t *value) {
    return value->iface->get_type == NULL ? (avro_type_t) -1 : value->iface->get_type(value->iface, value->self);
}
static inline avro_schema_t herald_avro_value_get_schema(avro_value_t *value) {
    return value->iface->get_schema == NULL ? NULL : value->iface->get_schema(value->iface, value->self);
}
static inline int herald_avro_value_get_boolean(avro_value_t *value, int *out) {
    return value->iface->get_boolean == NULL ? EINVAL : value->iface->get_boolean(value->iface, value->self, out);
}
static inline int herald_avro_value_get_bytes(avro_value_t *value, const void **buf, size_t *size) {
    return value->iface->get_bytes == NULL ? EINVAL : value->iface->get_bytes(value->iface, value->self, buf, size);
}
static inline int herald_avro_value_get_double(avro_value_t *value, double *out) {
    return value->iface->get_double == NULL ? EINVAL : value->iface->get_double(value->iface, value->self, out);
}
static inline int herald_avro_value_get_float(avro_value_t *value, float *out) {
    return value->iface->get_float == NULL ? EINVAL : value->iface->get_float(value->iface, value->self, out);
}
static inline int herald_avro_value_get_int(avro_value_t *value, int32_t *out) {
    return value->iface->get_int == NULL ? EINVAL : value->iface->get_int(value->iface, value->self, out);
}
static inline int herald_avro_value_get_long(avro_value_t *value, int64_t *out) {
    return value->iface->get_long == NULL ? EINVAL : value->iface->get_long(value->iface, value->self, out);
}
static inline int herald_avro_value_get_null(avro_value_t *value) {
    return value->iface->get_null == NULL ? EINVAL : value->iface->get_null(value->iface, value->self);
}
static inline int herald_avro_value_get_string(avro_value_t *value, const char **str, size_t *size) {
    return value->iface->get_string == NULL ? EINVAL : value->iface->get_string(value->iface, value->self, str, size);
}
static inline int herald_avro_value_get_enum(avro_value_t *value, int *out) {
    return value->iface->get_enum == NULL ? EINVAL : value->iface->get_enum(value->iface, value->self, out);
}
static inline int herald_avro_value_get_fixed(avro_value_t *value, const void **buf, size_t *size) {
    return value->iface->get_fixed == NULL ? EINVAL : value->iface->get_fixed(value->iface, value->self, buf, size);
}
static inline int herald_avro_value_set_boolean(avro_value_t *value, int val) {
    return value->iface->set_boolean == NULL ? EINVAL : value->iface->set_boolean(value->iface, value->self, val);
}
static inline int herald_avro_value_set_bytes(avro_value_t *value, void *buf, size_t size) {
    return value->iface->set_bytes == NULL ? EINVAL : value->iface->set_bytes(value->iface, value->self, buf, size);
}
static inline int herald_avro_value_set_double(avro_value_t *value, double val) {
    return value->iface->set_double == NULL ? EINVAL : value->iface->set_double(value->iface, value->self, val);
}
static inline int herald_avro_value_set_float(avro_value_t *value, float val) {
    return value->iface->set_float == NULL ? EINVAL : value->iface->set_float(value->iface, value->self, val);
}
static inline int herald_avro_value_set_int(avro_value_t *value, int32_t val) {
    return value->iface->set_int == NULL ? EINVAL : value->iface->set_int(value->iface, value->self, val);
}
static inline int herald_avro_value_set_long(avro_value_t *value, int64_t val) {
    return value->iface->set_long == NULL ? EINVAL : value->iface->set_long(value->iface, value->self, val);
}
static inline int herald_avro_value_set_null(avro_value_t *value) {
    return value->iface->set_null == NULL ? EINVAL : value->iface->set_null(value->iface, value->self);
}
static inline int herald_avro_value_set_string_len(avro_value_t *value, const char *str, size_t size) {
    return value->iface->set_string_len == NULL ? EINVAL : value->iface->set_string_len(value->iface, value->self, str, size);
}
static inline int herald_avro_value_set_enum(avro_value_t *value, int val) {
    return value->iface->set_enum == NULL ? EINVAL : value->iface->set_enum(value->iface, value->self, val);
}
static inline int herald_avro_value_set_fixed(avro_value_t *value, void *buf, size_t size) {
    return value->iface->set_fixed == NULL ? EINVAL : value->iface->set_fixed(value->iface, value->self, buf, size);
}
static inline int herald_avro_value_get_size(avro_value_t *value, size_t *size) {
    return value->iface->get_size == NULL ? EINVAL : value->iface->get_size(value->iface, value->self, size);
}
static inline int herald_avro_value_get_by_index(avro_value_t *value, size_t index, avro_value_t *child, const char **name) {
    return value->iface->get_by_index == NULL ? EINVAL : value->iface->get_by_index(value->iface, value->self, index, child, name);
}
static inline int herald_avro_value_get_by_name(avro_value_t *value, const char *name, avro_value_t *child, size_t *index) {
    return value->iface->get_by_name == NULL ? EINVAL : value->iface->get_by_name(value->iface, value->self, name, child, index);
}
static inline int herald_avro_value_get_discriminant(avro_value_t *value, int *out) {
    return value->iface->get_discriminant == NULL ? EINVAL : value->iface->get_discriminant(value->iface, value->self, out);
}
static inline int herald_avro_value_get_current_branch(avro_value_t *value, avro_value_t *branch) {
    return value->iface->get_current_branch == NULL ? EINVAL : value->iface->get_current_branch(value->iface, value->self, branch);
}
static inline int herald_avro_value_append(avro_value_t *value, avro_value_t *child, size_t *new_index) {
    return value->iface->append == NULL ? EINVAL : value->iface->append(value->iface, value->self, child, new_index);
}
static inline int herald_avro_value_add(avro_value_t *value, const char *key, avro_value_t *child, size_t *index, int *is_new) {
    return value->iface->add == NULL ? EINVAL : value->iface->add(value->iface, value->self, key, child, index, is_new);
}
static inline int herald_avro_value_set_branch(avro_value_t *value, int discriminant, avro_value_t *branch) {
    return value->iface->set_branch == NULL ? EINVAL : value->iface->set_branch(value->iface, value->self, discriminant, branch);
}

static inline avro_value_iface_t *herald_avro_value_iface_incref(avro_value_iface_t *iface) {
    return iface->incref_iface == NULL ? iface : iface->incref_iface(iface);
}
static inline void herald_avro_value_iface_decref(avro_value_iface_t *iface) {
    if (iface->decref_iface != NULL) iface->decref_iface(iface);
}

#endif
