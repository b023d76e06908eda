namespace SmsFunctions.Storage.Emulator;

/// <summary>Azurite could not be started; the message says what to do, for a person to read.</summary>
public sealed class AzuriteUnavailableException : Exception
{
    public AzuriteUnavailableException() { }
    public AzuriteUnavailableException(string message) : base(message) { }
    public AzuriteUnavailableException(string message, Exception inner) : base(message, inner) { }
}
