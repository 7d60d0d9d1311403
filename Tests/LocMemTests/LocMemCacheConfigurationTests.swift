import LocMem
import Testing

/// The configuration's defaults and its validation (Django's DefaultNonExpiringCacheKeyTests and
/// BaseCache.__init__, where LocMem rejects what Django silently coerces).
@Suite struct LocMemCacheConfigurationTests {
    // MARK: - Defaults

    @Test func defaultsMatchDjango() {
        let configuration = CacheConfiguration()
        #expect(configuration.timeout == 300)
        #expect(configuration.maxEntries == 300)
        #expect(configuration.cullFrequency == 3)
        #expect(configuration.keyPrefix == "")
        #expect(configuration.version == 1)
        #expect(configuration.keyFunction("key", "prefix", 4) == "prefix:4:key")
        #expect(configuration.onKeyWarning == nil)
    }

    @Test func aCacheCanBeBuiltWithEveryDefault() throws {
        let cache = try LocMemCache(location: uniqueLocation())
        cache.set("key", "value")
        #expect(cache.get("key", as: String.self) == "value")
    }

    @Test func theDefaultMaxEntriesIs300() throws {
        let cache = try makeCache()
        for key in 0..<300 {
            cache.set("\(key)", key)
        }
        #expect(cache.count == 300)
        cache.set("one-more", 300)
        // 300 / 3 = 100 culled, then the new entry.
        #expect(cache.count == 201)
    }

    @Test func configurationPropertiesCanBeChanged() throws {
        var configuration = CacheConfiguration()
        configuration.maxEntries = 2
        configuration.cullFrequency = 0
        configuration.timeout = nil
        configuration.keyPrefix = "p"
        configuration.version = 5
        let cache = try makeCache(configuration)
        #expect(cache.makeKey("k") == "p:5:k")
        cache.set("a", 1)
        cache.set("b", 2)
        cache.set("c", 3)
        #expect(cache.count == 1)
    }

    // MARK: - Valid edge values

    @Test func theSmallestValidValuesAreAccepted() throws {
        let cache = try makeCache(CacheConfiguration(timeout: 0, maxEntries: 1, cullFrequency: 0))
        cache.set("key", 1, timeout: .never)
        #expect(cache.get("key", as: Int.self) == 1)
    }

    @Test func aNilTimeoutIsAccepted() throws {
        let cache = try makeCache(CacheConfiguration(timeout: nil))
        cache.set("key", 1)
        #expect(cache.hasKey("key"))
    }

    @Test func largeValuesAreAccepted() throws {
        let configuration = CacheConfiguration(
            timeout: 1e12, maxEntries: Int.max, cullFrequency: Int.max, version: Int.max
        )
        let cache = try makeCache(configuration)
        cache.set("key", 1)
        #expect(cache.get("key", as: Int.self) == 1)
    }

    @Test func negativeAndZeroVersionsAreAccepted() throws {
        let cache = try makeCache(CacheConfiguration(version: 0))
        cache.set("key", 1, version: -3)
        #expect(cache.makeKey("key") == ":0:key")
        #expect(cache.get("key", as: Int.self, version: -3) == 1)
    }

    // MARK: - Invalid values

    @Test(arguments: [0, -1, Int.min])
    func maxEntriesBelowOneIsRejected(maxEntries: Int) {
        let error = thrownCase { try makeCache(CacheConfiguration(maxEntries: maxEntries)) }
        #expect(error == .invalidConfiguration(field: "maxEntries"))
    }

    @Test(arguments: [-1, Int.min])
    func negativeCullFrequencyIsRejected(cullFrequency: Int) {
        let error = thrownCase { try makeCache(CacheConfiguration(cullFrequency: cullFrequency)) }
        #expect(error == .invalidConfiguration(field: "cullFrequency"))
    }

    @Test(arguments: [-1, -0.001, -Double.infinity, Double.infinity, Double.nan])
    func negativeOrNonFiniteTimeoutIsRejected(timeout: Double) {
        let error = thrownCase { try makeCache(CacheConfiguration(timeout: timeout)) }
        #expect(error == .invalidConfiguration(field: "timeout"))
    }

    @Test func theErrorDescriptionNamesTheField() throws {
        let error = try #require(thrownError { try makeCache(CacheConfiguration(cullFrequency: -1)) })
        #expect(String(describing: error).contains("cullFrequency"))
    }

    @Test func theErrorGivesAReason() throws {
        let error = try #require(thrownError { try makeCache(CacheConfiguration(maxEntries: 0)) } as? CacheError)
        guard case .invalidConfiguration(_, let reason) = error else {
            Issue.record("expected invalidConfiguration, got \(error)")
            return
        }
        #expect(reason.isEmpty == false)
    }

    @Test func aRejectedConfigurationLeavesTheLocationUsable() throws {
        let location = uniqueLocation()
        let good = try makeCache(location: location)
        good.set("key", 1)
        #expect(thrownCase { try makeCache(CacheConfiguration(maxEntries: 0), location: location) } != nil)
        #expect(good.get("key", as: Int.self) == 1)
        let again = try makeCache(location: location)
        #expect(again.get("key", as: Int.self) == 1)
    }
}
