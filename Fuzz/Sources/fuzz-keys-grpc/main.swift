import Foundation
import FuzzGRPC
import FuzzRegistry
import FuzzSupport
import GRPCCore
import HeraldCore
import HeraldProtos
import HeraldRegistry
import HeraldRuntime
import SwiftProtobuf

/// `herald.v1.Keys`' request messages through its real handlers: up to four calls, each a method
/// selector byte and the bytes the server decodes as that method's request (two-byte length, then
/// the bytes), over keys held in memory (`MemoryKeyStore`, seeded with an active and a revoked
/// key before every input) behind a registry that leads. Whatever the bytes, no call traps, every
/// refusal is a clear status, and a refused call stores no key and records nothing in the audit
/// trail; a created key authenticates against the keys stored.
let fuzzRegistry = FuzzRegistry()
let keys = MemoryKeyStore()
let audit = MemoryAuditTrail()
let baseline = seededKeys()
let grpc = DirectGRPC(services: [fuzzRegistry.registry.keysService(memory: keys, audit: audit)])
let methods = Herald_V1_Keys.Method.descriptors

runLibFuzzer(detectingLeaks: false) { data, count in
    var input = FuzzInput(data, count)
    keys.stored = baseline
    audit.clear()
    grpc.run(&input, among: methods, state: { StoredState(keys.stored, records: keys.storedRecords, audit: audit.recorded) }) { method, _, responses, _ in
        guard method == Herald_V1_Keys.Method.CreateKey.descriptor else { return }
        guard let response = try? Herald_V1_CreateKeyResponse(serializedBytes: responses.first ?? []),
              case .success(let principal) = KeyRing(keys.stored.values).authenticate(response.key),
              principal.keyID == response.info.id
        else { fuzzFailure("a created key does not authenticate against the keys stored") }
    }
    return 0
}

/// An active key able to publish some types, and a revoked administrator's key, with fixed ids
/// (`…a1`, `…b2`) the seeds name.
func seededKeys() -> [String: KeyRecord] {
    let created = Date(timeIntervalSince1970: 1_700_000_000)
    var records: [KeyRecord] = []
    for (id, name, scopes) in [("00000000000000a1", "publisher", [Scope.eventsPublish, .schemasRead]), ("00000000000000b2", "admin", [Scope.keysAdmin])] {
        guard let key = try? APIKey(parsing: "hk_\(id)_\(String(repeating: "0f", count: 32))") else { fuzzFailure("a seeded key is malformed") }
        records.append(KeyRecord(key: key, name: name, scopes: Set(scopes), eventTypes: ["com.example.*"], sources: [], createdAt: created))
    }
    records[1].revokedAt = created.addingTimeInterval(60)
    return Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0) })
}
