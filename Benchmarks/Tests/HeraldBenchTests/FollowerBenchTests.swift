import ArgumentParser
import Foundation
import Testing

@testable import HeraldBench

/// `herald-bench delivery-log-follower`: its options, its median, and a tiny run against the broker.
struct FollowerBenchTests {
    @Test func theOptionsHaveTheirDefaultsAndRefuseNothingToMeasure() throws {
        let command = try #require(try HeraldBench.parseAsRoot(["delivery-log-follower"]) as? FollowerBenchCommand)
        #expect(command.deliveries == 100_000)
        #expect(command.partitions == 12)
        #expect(throws: (any Error).self) { try HeraldBench.parseAsRoot(["delivery-log-follower", "--deliveries", "0"]) }
        #expect(throws: (any Error).self) { try HeraldBench.parseAsRoot(["delivery-log-follower", "--partitions", "0"]) }
    }

    @Test func theMedianIsTheMiddleRoundOrTheMeanOfTheTwoMiddleOnes() {
        #expect(FollowerBenchCommand.median([3, 1, 2]) == 2)
        #expect(FollowerBenchCommand.median([4, 1, 3, 2]) == 2.5)
        #expect(FollowerBenchCommand.median([7]) == 7)
    }

    @Test func aTinyRunReplaysItsTopicsIntoAFreshLogEachRound() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("follower-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var command = try #require(try HeraldBench.parseAsRoot([
            "delivery-log-follower", "--deliveries", "50", "--partitions", "2", "--rounds", "2", "--folder", folder,
        ]) as? FollowerBenchCommand)
        try await command.run()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "each round's log is removed after it")
    }
}
