import Foundation

/// The machine and build a report was measured on, for its header.
///
/// Read from `/proc` and `/etc/os-release` on Linux; fields that cannot be read say `unknown`.
public struct MachineInfo: Sendable, Hashable, Codable {
    /// `model name` of `/proc/cpuinfo`.
    public var cpuModel: String
    /// Cores (logical processors) online.
    public var cores: Int
    /// Physical memory in bytes.
    public var memoryBytes: UInt64
    /// `PRETTY_NAME` of `/etc/os-release`, and the kernel release.
    public var operatingSystem: String
    /// The compiler that built this binary.
    public var swiftVersion: String
    /// `release` or `debug`.
    public var buildConfiguration: String
    /// `/proc/loadavg`'s 1, 5 and 15 minute averages when the run started: other work on the
    /// machine makes numbers noisy.
    public var loadAverage: String
    /// Whether the kernel schedules by autogroup (`/proc/sys/kernel/sched_autogroup_enabled`):
    /// then CPU time is shared fairly between sessions first, so while another session is busy
    /// this process gets about its share of the machine however many threads it runs. `nil` when
    /// unknown.
    public var autogroupScheduling: Bool?

    /// Whether this binary is a debug build, whose numbers say nothing about the cache's speed.
    public var isDebugBuild: Bool { buildConfiguration != "release" }

    /// Describes the machine this process runs on.
    public static func current() -> MachineInfo {
        MachineInfo(
            cpuModel: cpuModelName() ?? "unknown",
            cores: coreCount,
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            operatingSystem: operatingSystemName(),
            swiftVersion: compilerVersion,
            buildConfiguration: buildConfigurationName,
            loadAverage: (readFile("/proc/loadavg")?.split(separator: " ").prefix(3).joined(separator: " "))
                ?? "unknown",
            autogroupScheduling: readFile("/proc/sys/kernel/sched_autogroup_enabled").map { $0.hasPrefix("1") }
        )
    }

    /// Logical processors online.
    static var coreCount: Int {
        ProcessInfo.processInfo.activeProcessorCount
    }

    /// `release` when compiled with optimization, `debug` otherwise (SwiftPM defines `DEBUG` in
    /// debug builds).
    static var buildConfigurationName: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    /// The version of the compiler that built this module, to the patch level it can tell.
    static var compilerVersion: String {
        #if compiler(>=6.5)
        "6.5 or later"
        #elseif compiler(>=6.4)
        "6.4"
        #elseif compiler(>=6.3.2)
        "6.3.2"
        #elseif compiler(>=6.3.1)
        "6.3.1"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "earlier than 6.2"
        #endif
    }

    static func cpuModelName() -> String? {
        guard let cpuinfo = readFile("/proc/cpuinfo") else { return nil }
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    static func operatingSystemName() -> String {
        var name = "unknown"
        if let release = readFile("/etc/os-release") {
            for line in release.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                name = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        if let kernel = readFile("/proc/sys/kernel/osrelease")?.trimmingCharacters(in: .whitespacesAndNewlines) {
            name += ", Linux \(kernel)"
        }
        return name
    }

    /// The whole file, read to its end (files in `/proc` report a size of 0, so the size is not
    /// trusted).
    static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
