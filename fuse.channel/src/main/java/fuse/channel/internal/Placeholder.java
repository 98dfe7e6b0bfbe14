package fuse.channel.internal;

final class Placeholder { private Placeholder() {} }
