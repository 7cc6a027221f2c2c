import Testing
@testable import HeraldDelivery
