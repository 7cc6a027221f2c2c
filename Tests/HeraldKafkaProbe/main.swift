// A child process for HeraldKafka's crash tests: it gets into a state the parent test wants to
// observe after a SIGKILL, reports that on stdout, and waits to be killed.
//
//   herald-kafka-probe transaction <brokers> <topic> <transactional-id> <count>
//       writes <count> records inside a transaction it never commits, prints "SENT".
//   herald-kafka-probe incarnating-transaction <brokers> <topic> <base-transactional-id> <count>
//       the same with `TransactionalProducer.incarnating`; prints "ID <transactional-id>" first.
//   herald-kafka-probe consume <brokers> <topic> <group> <instance-id> <count>
//       consumes <count> records as a static group member, committing after each
//       ("COMMITTED <partition> <next-offset>"), then prints "DONE".
//   herald-kafka-probe join <brokers> <topic> <group> <partition-assignment-strategy>
//       joins the group as a dynamic member with that strategy, prints "SUBSCRIBED" and keeps
//       taking its events (so it takes part in every rebalance) until killed, or for two minutes
//       at most, so a test that failed before killing it leaves no member behind.
import Foundation
import HeraldKafka
import Logging

func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func waitForKill() async throws -> Never {
    while true { try await Task.sleep(for: .seconds(3600)) }
}

let arguments = CommandLine.arguments
guard arguments.count == 6 else {
    FileHandle.standardError.write(Data("usage: herald-kafka-probe transaction|incarnating-transaction|consume|join <brokers> <topic> <id> <count or strategy>\n".utf8))
    exit(64)
}
let (mode, brokers, topic, id, count) = (arguments[1], arguments[2], arguments[3], arguments[4], Int(arguments[5]) ?? 0)
let configuration = KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: .seconds(20))
var logger = Logger(label: "herald-kafka-probe")
logger.logLevel = .notice

switch mode {
case "transaction", "incarnating-transaction":
    let producer: TransactionalProducer
    if mode == "transaction" {
        producer = try TransactionalProducer(configuration: configuration, transactionalID: id, logger: logger)
        try await producer.initTransactions()
    } else {
        producer = try await TransactionalProducer.incarnating(id, configuration: configuration, logger: logger)
        report("ID \(producer.transactionalID)")
    }
    _ = try await producer.withTransaction { transaction in
        var pending: [PendingDelivery] = []
        for index in 0..<count {
            pending.append(try await transaction.send(ProducerRecord(topic: topic, key: "orphan-\(index)", value: "orphan-\(index)")))
        }
        // Written to the log (so the transaction is really open on the broker), never committed.
        for delivery in pending { _ = try await delivery.report }
        report("SENT")
        try await waitForKill()
    }
case "consume":
    let consumer = try KafkaConsumer(
        configuration: configuration,
        options: KafkaConsumer.Options(groupID: id, groupInstanceID: "\(id)-member"),
        logger: logger
    )
    try await consumer.subscribe([topic])
    var consumed = 0
    for try await event in consumer.events {
        guard case .message(let message) = event else { continue }
        try await consumer.commit([message.nextOffset])
        report("COMMITTED \(message.partition) \(message.offset + 1)")
        consumed += 1
        if consumed == count {
            report("DONE")
            try await waitForKill()
        }
    }
case "join":
    var joining = configuration
    joining.properties["partition.assignment.strategy"] = arguments[5]
    let consumer = try KafkaConsumer(configuration: joining, options: KafkaConsumer.Options(groupID: id), logger: logger)
    try await consumer.subscribe([topic])
    report("SUBSCRIBED")
    Task {
        try await Task.sleep(for: .seconds(120))
        exit(0)
    }
    for try await _ in consumer.events {}
    try await waitForKill()
default:
    FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
    exit(64)
}
