/*
 * P4_16 core library for the fantel embedded target (softswitch).
 *
 * Declares the built-in constructs every P4_16 program may use. Type, extern, method and
 * parameter names and signatures match p4c's core.p4, so a program that compiles with p4c
 * compiles here unchanged. Comments are our own.
 */

#ifndef _CORE_P4_
#define _CORE_P4_

/* Error codes known to every architecture; programs may add their own with `error {...}`. */
error {
    NoError,               // nothing went wrong
    PacketTooShort,        // extract/lookahead ran past the end of the packet
    NoMatch,               // a select expression matched no case
    StackOutOfBounds,      // a header stack index was outside the stack
    HeaderTooShort,        // a varbit extract asked for more bits than the field holds
    ParserTimeout,         // the parser ran longer than the target allows
    ParserInvalidArgument  // an argument to a parser operation was invalid
}

/* The packet being parsed. The parser consumes it from the front. */
extern packet_in {
    /* Copy the next bits of the packet into the fixed-size header `hdr` and make it valid. */
    void extract<T>(out T hdr);
    /* Same for a header with one varbit field whose size (in bits) is given at run time. */
    void extract<T>(out T variableSizeHeader,
                    in bit<32> variableFieldSizeInBits);
    /* Read the next bits of the packet as a T without consuming them. */
    T lookahead<T>();
    /* Skip the given number of bits. */
    void advance(in bit<32> sizeInBits);
    /* Length of the packet in bytes (not available on every target). */
    bit<32> length();
}

/* The packet being built by a deparser. */
extern packet_out {
    /* Append `hdr` (a header, stack, union or struct of those) if it is valid. */
    void emit<T>(in T hdr);
}

/* In a parser: when `check` is false, set the parser error to `toSignal` and reject. */
extern void verify(in bool check, in error toSignal);

/* An action that does nothing: the usual default action of a table. */
@noWarn("unused")
action NoAction() {}

/* Match kinds every architecture understands. */
match_kind {
    exact,    // the key equals the entry value
    ternary,  // the key equals the value on the bits set in a mask
    lpm       // longest-prefix match
}

/* Compile-time assertion: compilation stops with `message` when `check` is false. It returns
   a bool so it can initialise a constant. */
extern bool static_assert(bool check, string message);
extern bool static_assert(bool check);

#endif  /* _CORE_P4_ */
