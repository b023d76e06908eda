using System.IO.Compression;

namespace SmsFunctions.Packaging.Tests;

/// <summary>The unix st_mode that zip tools store in the high 16 bits of an entry's external attributes.</summary>
public static class UnixMode
{
    private const int FileTypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int AnyExecute = 0x49; // 0o111: user, group and other execute bits.

    public static int Of(ZipArchiveEntry entry) => (entry.ExternalAttributes >> 16) & 0xFFFF;

    public static bool IsRegularFile(int mode) => (mode & FileTypeMask) == RegularFile;

    public static bool IsExecutableByOwner(int mode) => (mode & 0x40) != 0;

    public static bool IsExecutableByAll(int mode) => (mode & AnyExecute) == AnyExecute;
}
