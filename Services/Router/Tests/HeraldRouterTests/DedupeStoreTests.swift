import Foundation
@testable import HeraldRouter
import Logging
import Testing

@Suite struct DedupeRestorePlanTests {
    let topic = "herald.router-dedupe"

    func checkpoint(_ offset: Int64, topic: String = "herald.router-dedupe", partition: Int32 = 3) -> DedupeCheckpoint {
        DedupeCheckpoint(topic: topic, partition: partition, offset: offset)
    }

    @Test func aNewStoreIsBuiltFromTheWholeChangelog() {
        #expect(DedupeRestorePlan.decide(checkpoint: nil, topic: topic, partition: 3, low: 0, high: 40) == .rebuild(to: 40, reason: "no store"))
    }

    @Test func aStoreAtTheEndIsUpToDateAndABehindOneReadsOnlyWhatCameAfterItsCheckpoint() {
        #expect(DedupeRestorePlan.decide(checkpoint: checkpoint(40), topic: topic, partition: 3, low: 0, high: 40) == .upToDate)
        #expect(DedupeRestorePlan.decide(checkpoint: checkpoint(25), topic: topic, partition: 3, low: 10, high: 40) == .catchUp(from: 25, to: 40))
        #expect(DedupeRestorePlan.decide(checkpoint: checkpoint(10), topic: topic, partition: 3, low: 10, high: 40) == .catchUp(from: 10, to: 40))
    }

    @Test(arguments: [
        // The changelog ends before the checkpoint: the topic was recreated.
        (DedupeCheckpoint(topic: "herald.router-dedupe", partition: 3, offset: 41), "ends at 40"),
        // Records after the checkpoint were deleted before the store saw them.
        (DedupeCheckpoint(topic: "herald.router-dedupe", partition: 3, offset: 4), "starts at 5"),
        (DedupeCheckpoint(topic: "other.dedupe", partition: 3, offset: 20), "other.dedupe partition 3"),
        (DedupeCheckpoint(topic: "herald.router-dedupe", partition: 4, offset: 20), "partition 4"),
    ])
    func aStoreTheChangelogDoesNotConfirmIsRebuilt(_ stored: DedupeCheckpoint, _ named: String) {
        guard case .rebuild(let to, let reason) = DedupeRestorePlan.decide(checkpoint: stored, topic: topic, partition: 3, low: 5, high: 40) else {
            Issue.record("expected a rebuild")
            return
        }
        #expect(to == 40)
        #expect(reason.contains(named))
    }
}

/// The RocksDB store on a scratch directory: what the router relies on across restarts.
@Suite struct RocksDedupeStoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-dedupe-store-\(UUID().uuidString)").path
    let resources = RocksDedupeResources()
    var path: String { directory + "/p0" }

    @Test func keysCountAndCheckpointSurviveReopening() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try RocksDedupeStore(path: path, resources: resources)
        #expect(store.checkpoint == nil && store.count == 0)
        try store.apply([
            DedupeChange(key: "s|1", firstSeen: 10), DedupeChange(key: "s|2", firstSeen: 20),
            DedupeChange(key: "s|1", firstSeen: nil), DedupeChange(key: "s|3", firstSeen: 30),
            DedupeChange(key: "s|3", firstSeen: 30),  // a record read again when catching up
        ])
        try store.record(DedupeCheckpoint(topic: "t", partition: 0, offset: 5))
        store.close()

        let reopened = try RocksDedupeStore(path: path, resources: resources)
        #expect(reopened.checkpoint == DedupeCheckpoint(topic: "t", partition: 0, offset: 5))
        #expect(reopened.count == 2)
        #expect(try !reopened.contains("s|1") && reopened.contains("s|2") && reopened.contains("s|3"))
        reopened.close()
    }

    @Test func expiryIsOldestFirstBoundedAndIgnoresAKeysEarlierFirstSeen() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try RocksDedupeStore(path: path, resources: resources)
        try store.apply((0..<5).map { DedupeChange(key: "k\($0)", firstSeen: Int64($0)) })
        #expect(try store.expire(through: 10, limit: 2) == ["k0", "k1"])
        #expect(try store.expire(through: 2, limit: 10) == ["k2"])
        // k3 forgotten and seen again later: its old time no longer expires it.
        try store.apply([DedupeChange(key: "k3", firstSeen: nil), DedupeChange(key: "k3", firstSeen: 50)])
        #expect(try store.expire(through: 10, limit: 10) == ["k4"])
        #expect(try store.contains("k3") && store.count == 1)
        #expect(try store.expire(through: 50, limit: 10) == ["k3"])
        #expect(store.count == 0)
        store.close()
    }

    @Test func resetForgetsKeysAndCheckpoint() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try RocksDedupeStore(path: path, resources: resources)
        try store.apply([DedupeChange(key: "s|1", firstSeen: 10)])
        try store.record(DedupeCheckpoint(topic: "t", partition: 0, offset: 1))
        try store.reset()
        #expect(try store.checkpoint == nil && store.count == 0 && !store.contains("s|1"))
        store.close()
    }

    @Test func aDamagedStoreIsReplacedByAnEmptyOneToRebuild() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stores = DedupeStores(dataDirectory: directory, instanceID: "i", retentionMilliseconds: 1000, logger: Logger(label: "test"))
        let store = try stores.open(topic: "t", partition: 0)
        try store.apply([DedupeChange(key: "s|1", firstSeen: 10)])
        try store.record(DedupeCheckpoint(topic: "t", partition: 0, offset: 1))
        store.close()
        let current = directory + "/router-dedupe/i/t/0/CURRENT"
        #expect(FileManager.default.fileExists(atPath: current))
        try Data("not a manifest name\n".utf8).write(to: URL(fileURLWithPath: current))

        let replaced = try stores.open(topic: "t", partition: 0)
        #expect(try replaced.checkpoint == nil && replaced.count == 0 && !replaced.contains("s|1"))
        replaced.close()
    }
}
