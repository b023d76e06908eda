namespace SmsFunctions.Core.Templates;

/// <summary>A template was rendered for a recipient that has no value for one of its placeholders.</summary>
public sealed class MissingTemplateFieldException : Exception
{
    public MissingTemplateFieldException()
        : this("unknown")
    {
    }

    public MissingTemplateFieldException(string placeholder)
        : base($"The recipient has no value for the placeholder '{{{{{placeholder}}}}}'.")
        => Placeholder = placeholder;

    public MissingTemplateFieldException(string message, Exception innerException)
        : base(message, innerException) => Placeholder = "unknown";

    public string Placeholder { get; }
}
