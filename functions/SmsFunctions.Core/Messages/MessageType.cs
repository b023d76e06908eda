namespace SmsFunctions.Core.Messages;

/// <summary>What a message is for; OTP outranks transactional outranks promotional when queueing.</summary>
public enum MessageType
{
    Otp,
    Transactional,
    Promotional,
}
