using SmsFunctions.Core.Encoding;

namespace SmsFunctions.Carriers.Tests.Support;

internal static class Submissions
{
    private static int _counter;

    public static string NewMessageId() =>
        (Interlocked.Increment(ref _counter).ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N"))[..24];

    public static CarrierSubmission To(string recipient, string body = "Hello from SmsFunctions", SmsEncoding encoding = SmsEncoding.Gsm7, int parts = 1) =>
        new(NewMessageId(), recipient, "SmsFunc", body, encoding, parts, Flash: false, ValidUntil: null, Attempt: 1, Nonce: "claim-" + Guid.NewGuid().ToString("N")[..12]);
}
