namespace SmsFunctions.App.Triggers;

/// <summary>An invocation body from the Functions host that cannot be decoded; answered with 400.</summary>
public sealed class InvalidInvocationException : Exception
{
    public InvalidInvocationException()
    {
    }

    public InvalidInvocationException(string message)
        : base(message)
    {
    }

    public InvalidInvocationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
