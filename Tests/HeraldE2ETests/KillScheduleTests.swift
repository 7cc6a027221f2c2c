import HeraldTestSupport
import Testing

/// The chaos schedule must be reproducible from its printed seed and hit every role once a round.
struct KillScheduleTests {
    @Test(arguments: [UInt64(0), 1, 42, .max])
    func sameSeedSameScheduleEveryRoleOncePerRound(seed: UInt64) {
        let window = Duration.seconds(40)
        let schedule = KillSchedule(seed: seed, rounds: 3, window: window, maxDowntime: .milliseconds(500))
        #expect(schedule == KillSchedule(seed: seed, rounds: 3, window: window, maxDowntime: .milliseconds(500)))
        #expect(schedule.kills.map(\.at) == schedule.kills.map(\.at).sorted())
        for round in 0..<3 {
            let slice = schedule.kills.filter { $0.at >= window / 3 * round && $0.at < window / 3 * (round + 1) }
            #expect(slice.map(\.role).sorted { $0.rawValue < $1.rawValue } == ChaosRole.allCases.sorted { $0.rawValue < $1.rawValue })
        }
        #expect(schedule.kills.allSatisfy { $0.downtime >= .zero && $0.downtime < .milliseconds(500) })
    }

    @Test func differentSeedsDifferentMoments() {
        let a = KillSchedule(seed: 1, rounds: 2, window: .seconds(20), maxDowntime: .zero)
        let b = KillSchedule(seed: 2, rounds: 2, window: .seconds(20), maxDowntime: .zero)
        #expect(a.kills.map(\.at) != b.kills.map(\.at))
    }
}
