/// Lets `validate()` report a negative id instead of argument-parser's "Missing expected argument".
///
/// argument-parser reads `-5` as an option, so `locmem book -5` would fail with a message about a
/// missing `<id>`, which is not what is wrong. Before parsing, a negative number standing where a
/// positional argument goes (not right after an option that takes a value, such as
/// `--timeout -1`, which those options accept as a value) is moved behind a `--` terminator at the
/// end, where argument-parser takes it as the positional value; `validate()` then says the id
/// must be positive. Arguments that already contain `--` are left as they are.
enum NegativeNumberArguments {
    /// Options that take no value: a number after them is positional.
    static let flags: Set<String> = ["--json", "--no-color"]

    /// `arguments` with each positional negative number moved behind a trailing `--`.
    static func rearranged(_ arguments: [String]) -> [String] {
        guard !arguments.contains("--") else { return arguments }
        var kept: [String] = []
        var moved: [String] = []
        for (index, argument) in arguments.enumerated() {
            let previous = index > 0 ? arguments[index - 1] : ""
            let followsValueOption = previous.hasPrefix("-") && !flags.contains(previous)
                && !isNegativeNumber(previous)
            if isNegativeNumber(argument) && !followsValueOption {
                moved.append(argument)
            } else {
                kept.append(argument)
            }
        }
        return moved.isEmpty ? arguments : kept + ["--"] + moved
    }

    /// `-5`, `-12`: a minus sign and digits.
    static func isNegativeNumber(_ argument: String) -> Bool {
        argument.count > 1 && argument.first == "-" && argument.dropFirst().allSatisfy(\.isASCII)
            && argument.dropFirst().allSatisfy(\.isNumber)
    }
}
