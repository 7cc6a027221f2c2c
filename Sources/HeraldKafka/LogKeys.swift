/// Metadata keys this module logs with (dotted, defined in one place).
enum LogKeys {
    static let kafkaFacility = "kafka.facility"
    static let kafkaTopic = "kafka.topic"
    static let kafkaPartition = "kafka.partition"
    static let kafkaTransactionalID = "kafka.transactional_id"
    static let kafkaGroupID = "kafka.group_id"
    static let error = "error"
}
