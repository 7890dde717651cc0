// The whole Carina authorization code flow as a browser and a client play it:
// authorize, login page, login, authorize again (consent when shown), token.
// `request(url, init)` resolves to { status, location, setCookies, text }, so
// the same flow runs over node:http (load generator) and fetch (in-process).

const unescape = (v) => v.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e])

export function hiddenFields(page) {
  const out = {}
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]] = unescape(m[2])
  return out
}

/** The Carina fixture client and user as `serve --json` describes them. */
export function carinaFlowFixture(description) {
  const client = description.clients[0]
  const user = description.users[0]
  return {
    clientId: client.id,
    clientSecret: client.secret,
    redirectUri: client.redirectUris.find((u) => u.startsWith('http')),
    username: user.username,
    password: user.password,
  }
}

export async function carinaFlow(request, base, f, scope = 'identity') {
  const jar = new Map()
  const keep = (res) => {
    for (const c of res.setCookies) {
      const [pair] = c.split(';')
      const eq = pair.indexOf('=')
      jar.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
  }
  const cookie = () => ({ cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') })
  const expect = (res, status, step) => {
    if (res.status !== status) throw new Error(`${step}: expected ${status}, got ${res.status} ${res.text.slice(0, 160)}`)
  }
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const q = new URLSearchParams({ client_id: f.clientId, redirect_uri: f.redirectUri, response_type: 'code', scope, state: 'bench' })
  let res = await request(`${base}/oauth/authorize?${q}`)
  expect(res, 302, 'authorize')
  const loginUrl = new URL(res.location, base)
  res = await request(loginUrl.href)
  expect(res, 200, 'login page')
  keep(res)
  const login = new URLSearchParams({ ...hiddenFields(res.text), username: f.username, password: f.password })
  res = await request(base + loginUrl.pathname, { method: 'POST', headers: { ...form, ...cookie() }, body: login.toString() })
  expect(res, 302, 'login')
  keep(res)
  res = await request(new URL(res.location, base).href, { headers: cookie() })
  if (res.status === 200) {
    // The first time this user authorizes this client: the consent page.
    const consent = new URLSearchParams({ ...hiddenFields(res.text), decision: 'authorize' })
    res = await request(`${base}/oauth/authorize`, { method: 'POST', headers: { ...form, ...cookie() }, body: consent.toString() })
  }
  expect(res, 302, 'authorize (logged in)')
  const code = new URL(res.location).searchParams.get('code')
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: f.redirectUri,
    client_id: f.clientId,
    client_secret: f.clientSecret,
  })
  res = await request(`${base}/oauth/token`, { method: 'POST', headers: form, body: body.toString() })
  expect(res, 200, 'token')
  return JSON.parse(res.text)
}

/** `request` over global fetch (what msw intercepts in-process). */
export async function fetchRequest(url, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(url, { method, headers, body, redirect: 'manual' })
  return { status: res.status, location: res.headers.get('location'), setCookies: res.headers.getSetCookie(), text: await res.text() }
}
