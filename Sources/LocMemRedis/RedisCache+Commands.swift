import LocMem
import RedisClient

/// Commands whose first arguments are cache keys, with the final keys (`makeKey`) written straight
/// into the command's buffer: no `String` per key, no array of keys.
extension RedisCache {
    /// `name` and the final key of each of `keys` (`MGET`, `DEL`).
    ///
    /// Each key is validated as ``validatedKey(_:version:)`` does: with the default key function,
    /// a final key of at most 250 bytes with no space or control character cannot deserve a
    /// warning, and is written in place as `prefix:version:key`; any other key goes through
    /// `validatedKey`, which reports it.
    func keysCommand(_ name: String, _ keys: [String], version: Int?) -> RedisCommand {
        let version = version ?? configuration.version
        if let keyBytes = inPlaceKeyBytes(keys, version: version) {
            var encoder = RedisCommandEncoder(
                name, argumentCount: keys.count,
                argumentBytes: RedisCommandEncoder.prefixedKeysSize(
                    count: keys.count, keyBytes: keyBytes, prefixBytes: configuration.keyPrefix.utf8.count,
                    version: version))
            encoder.appendPrefixedKeys(keys, prefix: configuration.keyPrefix, version: version)
            return encoder.command
        }
        let finalKeys = keys.map { validatedKey($0, version: version) }
        var size = 0
        for key in finalKeys { size += RESPEncoding.bulkSize(key.utf8.count) }
        var encoder = RedisCommandEncoder(name, argumentCount: finalKeys.count, argumentBytes: size)
        for key in finalKeys { encoder.append(key) }
        return encoder.command
    }

    /// `name key`, or with the arguments that follow the key.
    func keyCommand(_ name: String, _ key: String, version: Int?, _ arguments: [RedisArgument] = []) -> RedisCommand {
        let version = version ?? configuration.version
        var size = 0
        for argument in arguments { size += argument.encodedSize }
        var encoder: RedisCommandEncoder
        if let keyBytes = inPlaceKeyBytes(CollectionOfOne(key), version: version) {
            encoder = RedisCommandEncoder(
                name, argumentCount: 1 + arguments.count,
                argumentBytes: size + RedisCommandEncoder.prefixedKeysSize(
                    count: 1, keyBytes: keyBytes, prefixBytes: configuration.keyPrefix.utf8.count, version: version))
            encoder.appendPrefixedKey(key, prefix: configuration.keyPrefix, version: version)
        } else {
            let finalKey = validatedKey(key, version: version)
            encoder = RedisCommandEncoder(
                name, argumentCount: 1 + arguments.count,
                argumentBytes: size + RESPEncoding.bulkSize(finalKey.utf8.count))
            encoder.append(finalKey)
        }
        for argument in arguments { encoder.append(argument) }
        return encoder.command
    }

    /// The UTF-8 bytes of `keys` in all, when their final keys can be written in place as
    /// `prefix:version:key` with no check left to make: the default key function, and no final key
    /// longer than 250 bytes or with a space or control character. Otherwise `nil`: the keys go
    /// through ``validatedKey(_:version:)``, which reports them.
    private func inPlaceKeyBytes<Keys: Collection<String>>(_ keys: Keys, version: Int) -> Int? {
        guard configuration.usesDefaultKeyFunction else { return nil }
        var prefix = configuration.keyPrefix
        let fixed = prefix.utf8.count + RESPEncoding.decimalLength(of: version) + 2
        guard prefix.withUTF8({ Self.isPortable(UnsafeRawBufferPointer($0)) }) else { return nil }
        var total = 0
        for key in keys {
            let count = key.utf8.count
            // A string without contiguous UTF-8 (bridged) takes validatedKey's path.
            guard fixed + count <= CacheKeyWarning.maximumKeyLength,
                key.utf8.withContiguousStorageIfAvailable({ Self.isPortable(UnsafeRawBufferPointer($0)) }) == true
            else { return nil }
            total += count
        }
        return total
    }

    /// Whether `bytes` has none of Django's `[\x00-\x20\x7f]` (bytes of multi-byte UTF-8
    /// sequences are all >= 0x80, so a byte scan finds exactly the offending scalars).
    @inline(__always)
    private static func isPortable(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte <= 0x20 || byte == 0x7F { return false }
        return true
    }
}
