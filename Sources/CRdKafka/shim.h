// librdkafka as a Swift module (Debian's librdkafka-dev, pkg-config name `rdkafka`).
#ifndef HERALD_CRDKAFKA_SHIM_H
#define HERALD_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#endif
