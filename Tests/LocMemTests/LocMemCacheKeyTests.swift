import LocMem
import Testing

/// Key making (prefix, version, key function) and memcached-portability key warnings
/// (Django's test_prefix, test_custom_key_func, test_invalid_key_* and CustomCacheKeyValidationTests).
@Suite struct LocMemCacheKeyTests {
    static func customKeyFunction(_ key: String, _ prefix: String, _ version: Int) -> String {
        "CUSTOM-" + [prefix, String(version), key].joined(separator: "-")
    }

    // MARK: - make_key

    @Test func theDefaultKeyIsPrefixVersionAndKey() throws {
        let cache = try makeCache()
        #expect(cache.makeKey("key") == ":1:key")
        #expect(cache.makeKey("key", version: 7) == ":7:key")
    }

    @Test func makeKeyUsesTheConfiguredPrefixAndVersion() throws {
        let cache = try makeCache(CacheConfiguration(keyPrefix: "cacheprefix", version: 3))
        #expect(cache.makeKey("key") == "cacheprefix:3:key")
        #expect(cache.makeKey("key", version: 1) == "cacheprefix:1:key")
    }

    @Test func makeKeyUsesTheCustomKeyFunction() throws {
        let cache = try makeCache(
            CacheConfiguration(keyPrefix: "p", version: 2, keyFunction: Self.customKeyFunction)
        )
        #expect(cache.makeKey("answer") == "CUSTOM-p-2-answer")
        #expect(cache.makeKey("answer", version: 9) == "CUSTOM-p-9-answer")
    }

    // MARK: - Isolation through the key

    @Test func aPrefixSeparatesCachesOnTheSameStore() throws {
        let location = uniqueLocation()
        let cache = try makeCache(location: location)
        let prefixed = try makeCache(CacheConfiguration(keyPrefix: "cacheprefix"), location: location)
        cache.set("somekey", "value")
        #expect(prefixed.hasKey("somekey") == false)
        prefixed.set("somekey", "value2")
        #expect(cache.get("somekey", as: String.self) == "value")
        #expect(prefixed.get("somekey", as: String.self) == "value2")
    }

    @Test func cachesWithTheSameKeyFunctionSeeEachOthersKeysAndOthersDoNot() throws {
        let location = uniqueLocation()
        let cache = try makeCache(location: location)
        let custom = try makeCache(CacheConfiguration(keyFunction: Self.customKeyFunction), location: location)
        let custom2 = try makeCache(
            CacheConfiguration(keyFunction: { Self.customKeyFunction($0, $1, $2) }), location: location
        )

        cache.set("answer1", 42)
        #expect(cache.get("answer1", as: Int.self) == 42)
        #expect(custom.get("answer1", as: Int.self) == nil)
        #expect(custom2.get("answer1", as: Int.self) == nil)

        custom.set("answer2", 42)
        #expect(cache.get("answer2", as: Int.self) == nil)
        #expect(custom.get("answer2", as: Int.self) == 42)
        #expect(custom2.get("answer2", as: Int.self) == 42)
    }

    @Test func keysThatMakeTheSameFinalKeyShareAnEntry() throws {
        let cache = try makeCache(CacheConfiguration(keyFunction: { key, _, _ in key.lowercased() }))
        cache.set("Answer", 42)
        #expect(cache.get("ANSWER", as: Int.self) == 42)
        #expect(cache.count == 1)
    }

    // MARK: - Key warnings

    /// Runs each keyed operation Django's `_perform_invalid_key_test` runs and returns, per operation,
    /// the warnings it reported.
    private func warningsPerOperation(
        key: String,
        keyFunction: @escaping @Sendable (String, String, Int) -> String = { key, _, _ in key }
    ) throws -> [(operation: String, warnings: [CacheKeyWarning])] {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(keyFunction: keyFunction, onKeyWarning: recorder.handler))
        let operations: [(String, () -> Void)] = [
            ("add", { cache.add(key, 1) }),
            ("get", { _ = cache.get(key, as: Int.self) }),
            ("set", { cache.set(key, 1) }),
            ("incr", { _ = try? cache.incr(key) }),
            ("decr", { _ = try? cache.decr(key) }),
            ("touch", { cache.touch(key) }),
            ("hasKey", { _ = cache.hasKey(key) }),
            ("delete", { cache.delete(key) }),
            ("getMany", { _ = cache.getMany([key, "b"], as: Int.self) }),
            ("setMany", { cache.setMany([key: 1, "b": 2]) }),
            ("deleteMany", { cache.deleteMany([key, "b"]) }),
        ]
        return operations.map { name, run in
            run()
            return (name, recorder.take())
        }
    }

    @Test func keysWithSpacesWarnOncePerOperation() throws {
        let key = "key with spaces and 清"
        for (operation, warnings) in try warningsPerOperation(key: key) {
            #expect(warnings.count == 1, "\(operation)")
            guard let warning = warnings.first else { continue }
            #expect(warning.key == key, "\(operation)")
            #expect(warning.isInvalidCharacter, "\(operation)")
            #expect(warning.message.contains(key), "\(operation): \(warning.message)")
        }
    }

    @Test func keysLongerThan250CharactersWarnOncePerOperation() throws {
        let key = String(repeating: "a", count: 250) + "清"
        for (operation, warnings) in try warningsPerOperation(key: key) {
            #expect(warnings.count == 1, "\(operation)")
            guard let warning = warnings.first else { continue }
            #expect(warning.key == key, "\(operation)")
            let length = try #require(warning.tooLongLength, "\(operation): \(warning.kind)")
            #expect(length > 250, "\(operation)")
            #expect(warning.message.contains(key), "\(operation)")
        }
    }

    @Test func theTooLongWarningReportsTheLength() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(identityKeyConfiguration(onKeyWarning: recorder.handler))
        cache.set(String(repeating: "k", count: 251), 1)
        #expect(recorder.warnings.count == 1)
        #expect(recorder.warnings.first?.tooLongLength == 251)
    }

    @Test func lengthIsJudgedOnTheKeyAfterTheKeyFunction() throws {
        // Django's test_invalid_with_version_key_length: 249 characters + ":1" is too long.
        let key = String(repeating: "a", count: 249)
        for (operation, warnings) in try warningsPerOperation(key: key, keyFunction: { key, _, _ in key + ":1" }) {
            #expect(warnings.count == 1, "\(operation)")
            #expect(warnings.first?.key == key + ":1", "\(operation)")
            #expect(warnings.first?.tooLongLength == 251, "\(operation)")
        }
    }

    @Test func theDefaultKeyFunctionsPrefixAndVersionCountTowardTheLength() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        let fits = String(repeating: "a", count: 247)  // ":1:" + 247 = 250
        cache.set(fits, 1)
        #expect(recorder.take().isEmpty, "a final key of exactly 250 characters is fine")
        let tooLong = String(repeating: "a", count: 248)  // ":1:" + 248 = 251
        cache.set(tooLong, 1)
        let warnings = recorder.take()
        #expect(warnings.count == 1)
        #expect(warnings.first?.key == ":1:" + tooLong)
        #expect(warnings.first?.tooLongLength == 251)
    }

    @Test func aPrefixWithASpaceMakesEveryKeyWarn() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(keyPrefix: "my prefix", onKeyWarning: recorder.handler))
        cache.set("plain", 1)
        let warnings = recorder.take()
        #expect(warnings.count == 1)
        #expect(warnings.first?.key == "my prefix:1:plain")
        #expect(warnings.first?.isInvalidCharacter == true)
    }

    @Test func aKeyFunctionThatRemovesSpacesAvoidsTheWarning() throws {
        let recorder = WarningRecorder()
        let configuration = CacheConfiguration(
            keyFunction: { key, prefix, version in
                "\(prefix):\(version):" + String(key.map { $0 == " " ? "_" : $0 })
            },
            onKeyWarning: recorder.handler
        )
        let cache = try makeCache(configuration)
        cache.set("key with spaces", 1)
        #expect(cache.get("key with spaces", as: Int.self) == 1)
        #expect(recorder.warnings.isEmpty)
    }

    @Test func everyControlCharacterSpaceAndDeleteWarns() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(identityKeyConfiguration(onKeyWarning: recorder.handler))
        let characters = (0x00...0x20).map { Character(Unicode.Scalar(UInt8($0))) } + ["\u{7F}"]
        for character in characters {
            let key = "key\(character)end"
            cache.set(key, 1)
            let warnings = recorder.take()
            let code = character.unicodeScalars.first!.value
            #expect(warnings.count == 1, "U+\(String(code, radix: 16))")
            #expect(warnings.first?.isInvalidCharacter == true, "U+\(String(code, radix: 16))")
            #expect(warnings.first?.key == key, "U+\(String(code, radix: 16))")
        }
    }

    @Test func ordinaryAndUnicodeKeysDoNotWarn() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        for key in ["key", "snake_case-and.dots", "Iñtërnâtiônàlizætiøn", "清", "🐍", "a:b:c", "~!@#$%^&*()"] {
            cache.set(key, 1)
            _ = cache.get(key, as: Int.self)
            cache.delete(key)
        }
        #expect(recorder.warnings.isEmpty)
    }

    @Test func aKeyThatIsTooLongAndHasSpacesWarnsTwiceAndStillWorks() throws {
        // Django's CustomCacheKeyValidationTests key: over 250 characters and with spaces.
        let recorder = WarningRecorder()
        let cache = try makeCache(identityKeyConfiguration(onKeyWarning: recorder.handler))
        let key = String(repeating: "some key with spaces", count: 15)
        cache.set(key, "a value")
        let warnings = recorder.take()
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.isInvalidCharacter })
        #expect(warnings.contains { $0.tooLongLength == 300 })
        #expect(cache.get(key, as: String.self) == "a value")
    }

    @Test func invalidKeysStillWorkForEveryOperation() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        let key = "key with spaces\n" + String(repeating: "x", count: 300)
        #expect(cache.add(key, 1) == true)
        #expect(cache.get(key, as: Int.self) == 1)
        #expect(try cache.incr(key) == 2)
        #expect(try cache.decr(key, by: 2) == 0)
        #expect(cache.touch(key, timeout: .never))
        #expect(cache.hasKey(key))
        #expect(cache.getMany([key], as: Int.self) == [key: 0])
        #expect(try cache.incrVersion(key) == 2)
        #expect(cache.get(key, as: Int.self, version: 2) == 0)
        #expect(cache.delete(key, version: 2))
        #expect(cache.count == 0)
        #expect(recorder.warnings.isEmpty == false)
    }

    @Test func invalidKeysWorkWithoutAWarningHandler() throws {
        // With no handler the warning goes to swift-log; the operation itself is unaffected.
        let cache = try makeCache()
        let key = "key with spaces " + String(repeating: "y", count: 260)
        cache.set(key, "value")
        #expect(cache.get(key, as: String.self) == "value")
    }

    @Test func getOrSetAndIncrVersionWarnAboutInvalidKeys() throws {
        let recorder = WarningRecorder()
        let cache = try makeCache(CacheConfiguration(onKeyWarning: recorder.handler))
        _ = cache.getOrSet("key with spaces") { 1 }
        #expect(recorder.take().contains { $0.key == ":1:key with spaces" })
        try cache.incrVersion("key with spaces")
        #expect(recorder.take().contains { $0.key == ":2:key with spaces" })
    }
}
