import FuzzEncoder
import FuzzGRPC
import FuzzRegistry
import FuzzSupport
import GRPCCore
import HeraldProducer
import HeraldProtos
import SwiftProtobuf

/// `herald.v1.Producer`'s request messages through its real handlers: up to four calls, each a
/// method selector byte and the bytes the server decodes as that method's request (two-byte
/// length, then the bytes; for `PublishStream` a count byte first and one to four requests),
/// with the producer's `EventEncoder` resolving schemas from the in-memory registry over a
/// loopback socket and the accepted records committed in memory (`MemoryRecordCommitter`).
/// Whatever the bytes, no call traps, every refusal is a clear status (in a stream, each rejected
/// event's `error_code` and `error_message`), a refused unary call commits nothing, and an
/// accepted call commits exactly one record per event it answers for (a stream refused part way,
/// on a request that does not decode, keeps the events it took before).
let fuzzRegistry = FuzzRegistry()
let encoders = blocking { await startEventEncoders(registry: fuzzRegistry.registry, maxPayloadBytes: 2048, maxEventBytes: 3072) }
let committer = MemoryRecordCommitter()
let grpc = DirectGRPC(services: [ProducerServer.producerService(encoder: encoders[0], committer: committer, topic: "herald.events", partitions: 12)])
let methods = Herald_V1_Producer.Method.descriptors
let stream = Herald_V1_Producer.Method.PublishStream.descriptor

runLibFuzzer(detectingLeaks: false) { data, count in
    var input = FuzzInput(data, count)
    committer.clear()
    grpc.run(&input, among: methods, streaming: [stream.method], state: { committer.committed.count }) { method, requests, responses, before in
        let written = committer.committed.count - before
        guard written == acceptedEvents(of: method, answered: responses, requests: requests.count) else {
            fuzzFailure("\(method) committed \(written) records for \(responses.count) answers")
        }
    }
    return 0
}

/// How many events an accepted call answers as written: one for `Publish`, one per result for
/// `PublishBatch`, one per answer without an error for `PublishStream` (which answers each request).
func acceptedEvents(of method: MethodDescriptor, answered responses: [[UInt8]], requests: Int) -> Int {
    switch method {
    case Herald_V1_Producer.Method.Publish.descriptor:
        return 1
    case Herald_V1_Producer.Method.PublishBatch.descriptor:
        guard let batch = try? Herald_V1_PublishBatchResponse(serializedBytes: responses.first ?? []) else {
            fuzzFailure("PublishBatch answered a response that does not decode")
        }
        return batch.results.count
    default:
        guard responses.count == requests else { fuzzFailure("PublishStream answered \(responses.count) of \(requests) requests") }
        return responses.reduce(0) { accepted, bytes in
            guard let response = try? Herald_V1_PublishResponse(serializedBytes: bytes) else {
                fuzzFailure("PublishStream answered a response that does not decode")
            }
            guard response.errorCode != 0 else { return accepted + 1 }
            let code = Status.Code(rawValue: Int(response.errorCode))
            guard code != nil, code != .unknown, code != .internalError, !response.errorMessage.isEmpty else {
                fuzzFailure("PublishStream rejected an event with \(response.errorCode) '\(response.errorMessage)'")
            }
            return accepted
        }
    }
}
