import FuzzSupport
import HeraldCore

/// The CloudEvents Kafka binding and event validation. The input is a list of record headers
/// (name, zero byte, value, zero byte, …). Whatever the headers, reading them either throws an
/// `EventAttributeError` or gives attributes that pass `validate()` and survive writing back as
/// headers and reading again unchanged.
runLibFuzzer { data, count in
    var input = FuzzInput(data, count)
    var headers: [RecordHeader] = []
    while !input.bytes.isEmpty {
        let name = String(decoding: input.part(), as: UTF8.self)
        headers.append(RecordHeader(name: name, value: Array(input.part())))
    }
    let attributes: EventAttributes
    do {
        attributes = try CloudEventsKafkaBinding.attributes(from: headers)
    } catch {
        return 0
    }
    do {
        try attributes.validate()
    } catch {
        fuzzFailure("attributes read from headers fail validation: \(error)")
    }
    let written = CloudEventsKafkaBinding.headers(for: attributes)
    do {
        let reread = try CloudEventsKafkaBinding.attributes(from: written)
        guard reread == attributes else { fuzzFailure("headers written from \(attributes) read back as \(reread)") }
    } catch {
        fuzzFailure("headers written from valid attributes do not read back: \(error)")
    }
    return 0
}
