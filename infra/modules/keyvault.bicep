// Secrets the app reads through Key Vault references in its app settings
// (@Microsoft.KeyVault(SecretUri=...)), resolved by App Service with the user-assigned identity.
// RBAC authorization: access is granted per identity by role assignment, never by access policy.
param name string
param location string
param tags object

@secure()
@description('API key of the admin endpoints (Sms:AdminApiKey).')
param adminApiKey string

@secure()
@description('Password of the Kannel sendsms user; no secret is stored when empty.')
param kannelPassword string

@secure()
@description('Secret that signs the ids in Kannel\'s receipt URL; no secret is stored when empty.')
param kannelReceiptSecret string

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// "--" is how App Service maps a Key Vault secret name onto the ':' of a .NET configuration key.
resource adminApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'Sms--AdminApiKey'
  properties: {
    value: adminApiKey
    contentType: 'text/plain'
  }
}

resource kannelPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(kannelPassword)) {
  parent: vault
  name: 'Sms--Carriers--Kannel--Password'
  properties: {
    value: kannelPassword
    contentType: 'text/plain'
  }
}

resource kannelReceiptSecretSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(kannelReceiptSecret)) {
  parent: vault
  name: 'Sms--Carriers--Kannel--ReceiptSecret'
  properties: {
    value: kannelReceiptSecret
    contentType: 'text/plain'
  }
}

output name string = vault.name
// Versionless URIs: App Service picks up a rotated secret without a redeployment.
output adminApiKeyUri string = adminApiKeySecret.properties.secretUri
output kannelCredentialUri string = kannelPasswordSecret.?properties.secretUri ?? ''
output kannelReceiptSecretUri string = kannelReceiptSecretSecret.?properties.secretUri ?? ''
