internal import CRdKafka
import CoreMetrics

/// Counts what librdkafka reports to a client's error callback, in every service and for every
/// client kind, as `herald_kafka_client_errors_total{error}` with librdkafka's error name
/// (`_TRANSPORT`, `_ALL_BROKERS_DOWN`, `_SSL`, …): most are transient and only logged at debug,
/// so the count is where an operator sees a cluster a service keeps losing.
enum KafkaClientErrors {
    static func count(_ code: rd_kafka_resp_err_t) {
        let name = rd_kafka_err2name(code).map { String(cString: $0) } ?? "\(code.rawValue)"
        Counter(label: "herald_kafka_client_errors_total", dimensions: [("error", name)]).increment()
    }
}
