internal import CRdKafka

/// The librdkafka this process loaded, for `herald version` and bug reports: callers above the
/// binding never import the C module themselves.
public enum KafkaLibrary {
    /// librdkafka's own version string, e.g. `2.0.2`.
    public static var version: String { String(cString: rd_kafka_version_str()) }
}
