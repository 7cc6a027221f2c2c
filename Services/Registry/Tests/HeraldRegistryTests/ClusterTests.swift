import Foundation
import HeraldRegistry
import NIOHTTP1
import HeraldTestSupport
import Testing

extension RegistryIntegration {
    /// Crashes, restarts and leadership changes: ids survive, continue, and are never reused.
    @Suite struct ClusterTests {
        /// Registers `count` distinct schemas under `subject` through `base`, retrying while the
        /// registry has no reachable leader; returns the ids.
        func register(_ count: Int, under subject: String, at base: String, from start: Int = 0) async throws -> [Int] {
            var ids: [Int] = []
            for n in start..<(start + count) {
                let schema = #"{"type":"record","name":"R\#(n)","fields":[{"name":"f","type":"int"}]}"#
                var id: Int?
                try await TestEnvironment.eventually("registering schema \(n) at \(base)") {
                    let response = try await REST.call(.POST, "\(base)/subjects/\(subject)-\(n)/versions", json: REST.schemaBody(schema))
                    id = response.object["id"] as? Int
                    return id != nil
                }
                ids.append(try #require(id))
            }
            return ids
        }

        func allIDs(at base: String) async throws -> [String: Int] {
            var ids: [String: Int] = [:]
            for subject in try await REST.call(.GET, "\(base)/subjects").strings {
                ids[subject] = try await REST.call(.GET, "\(base)/subjects/\(subject)/versions/1").object["id"] as? Int
            }
            return ids
        }

        @Test func sigkilledRegistryRestartsWithEveryIDIntact() async throws {
            let names = RegistryNames()
            let first = try await RegistryProcess.start(names, instance: "a")
            let before = try await register(5, under: "crash", at: first.base)
            #expect(Set(before).count == 5)
            let snapshot = try await allIDs(at: first.base)
            first.kill()

            let restarted = try await RegistryProcess.start(names, instance: "a")
            try await TestEnvironment.eventually("the restarted registry to replay") {
                try await allIDs(at: restarted.base) == snapshot
            }
            let after = try await register(3, under: "crash", at: restarted.base, from: 5)
            #expect(after.min()! > before.max()!, "ids after the crash \(after) must continue above \(before)")
            #expect(restarted.terminate() == 0)
        }

        @Test func followerForwardsWritesAndTakesOverWhenTheLeaderStops() async throws {
            let names = RegistryNames()
            let (a, b) = try await RegistryInstance.startLeaderAndFollower(names)
            #expect(!b.server.registry.isLeader)

            let throughFollower = try await register(3, under: "forwarded", at: b.base)
            try await TestEnvironment.eventually("a to see b's writes") { try await allIDs(at: a.base).count == 3 }

            try await a.stop()
            try await TestEnvironment.eventually("b to lead") { b.server.registry.isLeader }
            #expect(b.server.registry.leaderInstance == "b")
            let afterFailover = try await register(3, under: "forwarded", at: b.base, from: 3)
            let all = throughFollower + afterFailover
            #expect(Set(all).count == all.count, "duplicate ids: \(all)")
            #expect(afterFailover.min()! > throughFollower.max()!)
            try await b.stop()
        }

        @Test func sigkilledLeaderRegainsOrHandsOverLeadershipOnRestart() async throws {
            let names = RegistryNames()
            let a = try await RegistryProcess.start(names, instance: "a")
            let before = try await register(3, under: "killed", at: a.base)
            let b = try await RegistryProcess.start(names, instance: "b")
            try await TestEnvironment.eventually("b to replay") { try await allIDs(at: b.base).count == 3 }
            a.kill()

            // The local broker never evicts the dead member; its restart under the same id settles the group.
            let restarted = try await RegistryProcess.start(names, instance: "a")
            let after = try await register(3, under: "killed", at: b.base, from: 3)
            let all = before + after
            #expect(Set(all).count == all.count, "duplicate ids: \(all)")
            #expect(after.min()! > before.max()!)
            try await TestEnvironment.eventually("both instances to agree") {
                let viaA = try await allIDs(at: restarted.base)
                let viaB = try await allIDs(at: b.base)
                return viaA.count == 6 && viaA == viaB
            }
            #expect(restarted.terminate() == 0)
            #expect(b.terminate() == 0)
        }
    }
}

extension RegistryIntegration.ClusterTests {
    /// A graceful stop resigns by re-subscribing the static member to another topic; the same
    /// instance started again must still be elected, not keep that resigned assignment.
    @Test func aRegistryRestartedAfterAGracefulStopLeadsAgain() async throws {
        let names = RegistryNames()
        let first = try await RegistryInstance.start(names, instance: "a")
        try await TestEnvironment.eventually("a to lead") { first.server.registry.isLeader }
        try await first.stop()
        let again = try await RegistryInstance.start(names, instance: "a")
        try await TestEnvironment.eventually("a to lead again") { again.server.registry.isLeader }
        try await again.stop()
    }
}
