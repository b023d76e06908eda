// Flex Consumption plan and the Linux function app that runs SmsFunctions.App as an Azure Functions
// custom handler (runtime "custom"). Every connection is identity-based; secrets come from Key Vault
// references resolved with the user-assigned identity.
param planName string
param appName string
param location string
param tags object

param identityId string
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param tableServiceUri string
param queueServiceUri string

param serviceBusFullyQualifiedNamespace string
param applicationInsightsName string

param adminApiKeyUri string
param defaultCarrier string
param kannelSendSmsUrl string
param kannelUsername string
param kannelAllowedSources string
param kannelCredentialUri string
param kannelReceiptSecretUri string

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@allowed([512, 2048, 4096])
param instanceMemoryMB int

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Kannel is configured only when its sendsms URL is given; its password only when one was stored.
var kannelSettings = empty(kannelSendSmsUrl)
  ? {}
  : union(
      {
        Sms__Carriers__Kannel__SendSmsUrl: kannelSendSmsUrl
        Sms__Carriers__Kannel__Username: kannelUsername
      },
      empty(kannelCredentialUri) ? {} : { Sms__Carriers__Kannel__Password: '@Microsoft.KeyVault(SecretUri=${kannelCredentialUri})' },
      empty(kannelReceiptSecretUri) ? {} : { Sms__Carriers__Kannel__ReceiptSecret: '@Microsoft.KeyVault(SecretUri=${kannelReceiptSecretUri})' },
      // One entry may list several networks, comma-separated; the app checks them against the last X-Forwarded-For
      // entry (the platform's front end appends the caller's address; the host forwards it from loopback).
      empty(kannelAllowedSources) ? {} : { Sms__Carriers__Kannel__AllowedSources__0: kannelAllowedSources }
    )

var appSettings = union(
  {
    // Functions host storage (locks, timers), identity-based.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId

    // The "connection" of every serviceBusTrigger in function.json.
    ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
    ServiceBusConnection__credential: 'managedidentity'
    ServiceBusConnection__clientId: identityClientId

    // Telemetry with Entra ID auth: the connection string only locates the resource, it grants nothing.
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    // DefaultAzureCredential in the app picks the user-assigned identity through this.
    AZURE_CLIENT_ID: identityClientId

    // The app's own options.
    Sms__Transport: 'ServiceBus'
    Sms__ServiceBus__Namespace: serviceBusFullyQualifiedNamespace
    Sms__Storage__TableServiceUri: tableServiceUri
    Sms__Storage__QueueServiceUri: queueServiceUri
    Sms__AdminApiKey: '@Microsoft.KeyVault(SecretUri=${adminApiKeyUri})'
    Sms__Routing__DefaultCarrier: defaultCarrier
  },
  kannelSettings
)

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
  }

  resource config 'config' = {
    name: 'appsettings'
    properties: appSettings
  }

  // Deployments go through Entra ID (azd / OneDeploy), so basic-auth publishing stays off.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
