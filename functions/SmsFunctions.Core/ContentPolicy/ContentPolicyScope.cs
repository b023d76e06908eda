namespace SmsFunctions.Core.ContentPolicy;

/// <summary>Which field of a message a forbidden term applies to.</summary>
public enum ContentPolicyScope
{
    Body,
    Sender,
    Both,
}
