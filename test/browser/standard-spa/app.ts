// A single-page app on oidc-client-ts, bundled by esbuild in standard-spa.spec.ts and served at
// <issuer>/spa/ (same origin as the provider: standard's token endpoint sends no CORS headers).
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts'

const issuer = location.origin
const manager = new UserManager({
  authority: issuer,
  client_id: 'spa-client',
  redirect_uri: `${issuer}/spa/callback`,
  scope: 'openid profile email api:read',
  resource: `${issuer}/api`,
  loadUserInfo: true,
  automaticSilentRenew: false,
  userStore: new WebStorageStateStore({ store: window.sessionStorage }),
})

const show = (id: string, value: string) => {
  document.getElementById(id)!.textContent = value
}

function render(user: User | null): void {
  show('signed-in', user ? 'yes' : 'no')
  show('sub', user?.profile.sub ?? '')
  show('name', String(user?.profile.name ?? ''))
  show('email', String(user?.profile.email ?? ''))
  show('has-refresh-token', user?.refresh_token ? 'yes' : 'no')
}

async function callApi(): Promise<void> {
  const user = await manager.getUser()
  const res = await fetch(`${issuer}/api/items`, { headers: { Authorization: `Bearer ${user?.access_token ?? ''}` } })
  show('api-status', String(res.status))
}

const actions: Record<string, () => Promise<unknown>> = {
  login: () => manager.signinRedirect({ state: { returnTo: '/spa/' } }),
  refresh: async () => {
    const before = (await manager.getUser())?.access_token
    const user = await manager.signinSilent()
    show('refreshed', user && user.access_token !== before ? 'new access token' : 'same access token')
    render(user)
  },
  api: callApi,
  logout: async () => {
    // standard has no end-session endpoint: the app revokes its tokens (RFC 7009) and forgets the user.
    const user = await manager.getUser()
    await manager.revokeTokens(['access_token', 'refresh_token'])
    await manager.removeUser()
    render(null)
    const res = await fetch(`${issuer}/api/items`, { headers: { Authorization: `Bearer ${user?.access_token ?? ''}` } })
    show('api-status', String(res.status))
  },
}

for (const [name, action] of Object.entries(actions)) {
  document.getElementById(name)!.addEventListener('click', () => {
    action().catch((error: Error) => show('error', error.message))
  })
}

async function main(): Promise<void> {
  if (location.pathname === '/spa/callback') {
    const user = await manager.signinRedirectCallback()
    history.replaceState(null, '', '/spa/')
    render(user)
  } else {
    render(await manager.getUser())
  }
  show('ready', 'yes')
}

main().catch((error: Error) => show('error', error.message))
