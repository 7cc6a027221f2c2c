import HeraldCore

/// The part of the pipeline a kill hits. Herald runs one process per role; a target that merges
/// roles into fewer processes crashes whichever process plays the role.
public enum ChaosRole: String, Sendable, CaseIterable, Hashable {
    case registry, producer, router, delivery
}

/// When each role is SIGKILLed, drawn from a seed so a run can be repeated: the publishing window
/// is cut into `rounds` equal slices and every role is killed once in every slice, at a uniformly
/// random moment, then left down for a random part of `maxDowntime` before it is restarted.
public struct KillSchedule: Sendable, Hashable {
    public struct Kill: Sendable, Hashable {
        /// From the start of publishing.
        public let at: Duration
        public let role: ChaosRole
        public let downtime: Duration
    }

    public let seed: UInt64
    /// Sorted by `at`.
    public let kills: [Kill]

    public init(seed: UInt64, rounds: Int, window: Duration, maxDowntime: Duration, roles: [ChaosRole] = ChaosRole.allCases) {
        precondition(rounds >= 0 && window >= .zero && maxDowntime >= .zero)
        var random = SplitMix64(seed: seed)
        var kills: [Kill] = []
        let slice = rounds == 0 ? .zero : window / rounds
        for round in 0..<rounds {
            for role in roles {
                let at = slice * round + slice * random.nextUnit()
                kills.append(Kill(at: at, role: role, downtime: maxDowntime * random.nextUnit()))
            }
        }
        self.seed = seed
        self.kills = kills.sorted { $0.at < $1.at }
    }
}
