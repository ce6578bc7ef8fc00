/**
 * The one IKEv2/IPsec policy pinned on both ends (docs/domain-rules.md, "IPsec policy"),
 * so initial negotiation and every rekey pick the same proposal: AES256 / SHA-256 / DH 14
 * with PFS 14. Azure's default quick mode offers PFS none, which AWS never proposes.
 */
export const IPSEC_POLICY = {
  aws: {
    IKEVersions: [{ Value: 'ikev2' }],
    Phase1EncryptionAlgorithms: [{ Value: 'AES256' }],
    Phase1IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
    Phase1DHGroupNumbers: [{ Value: 14 }],
    Phase2EncryptionAlgorithms: [{ Value: 'AES256' }],
    Phase2IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
    Phase2DHGroupNumbers: [{ Value: 14 }],
    Phase1LifetimeSeconds: 28800,
    Phase2LifetimeSeconds: 3600,
    DPDTimeoutSeconds: 30,
    /** AWS re-initiates IKE itself after it replaces a tunnel endpoint during maintenance. */
    StartupAction: 'start' as const,
  },
  azure: {
    ikeEncryption: 'AES256',
    ikeIntegrity: 'SHA256',
    dhGroup: 'DHGroup14',
    ipsecEncryption: 'AES256',
    ipsecIntegrity: 'SHA256',
    pfsGroup: 'PFS2048',
    saLifeTimeSeconds: 3600,
    saDataSizeKilobytes: 102400000,
  },
};
