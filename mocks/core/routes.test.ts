import { describe, expect, it } from 'vitest'
import { Router, type RouteDefinition } from './routes.js'

const route = (id: string, method: RouteDefinition['method'], path: string): RouteDefinition => ({ id, method, path, resolve: () => new Response() })

describe('Router', () => {
  const token = route('p.token', 'POST', '/oauth/token')
  const item = route('p.item', 'GET', '/items/:id')
  const router = new Router([token, item, route('p.other-origin', 'GET', '/oauth/token')])

  it('gives the same answers for a path asked again (remembered), by method', () => {
    for (let i = 0; i < 3; i++) {
      expect(router.match('default', 'POST', '/oauth/token')).toEqual({ kind: 'route', route: token, params: {} })
      expect(router.match('default', 'PUT', '/oauth/token')).toEqual({ kind: 'method-not-allowed', allowed: ['POST', 'GET', 'HEAD'] })
      expect(router.match('default', 'POST', '/oauth/token/')).toMatchObject({ kind: 'route', route: token })
      expect(router.match('default', 'POST', '/nowhere')).toEqual({ kind: 'not-found' })
      expect(router.match('api', 'POST', '/oauth/token')).toEqual({ kind: 'not-found' })
    }
  })

  it('decodes path parameters for each request', () => {
    expect(router.match('default', 'GET', '/items/a%20b')).toEqual({ kind: 'route', route: item, params: { id: 'a b' } })
    expect(router.match('default', 'GET', '/items/c')).toEqual({ kind: 'route', route: item, params: { id: 'c' } })
    expect(router.match('default', 'GET', '/items/%zz')).toEqual({ kind: 'not-found' })
  })

  it('answers paths asked in turn, remembered or with parameters', () => {
    const any = route('p.any', 'GET', '/a/*')
    const many = new Router([any, token])
    for (let i = 0; i < 600; i++) expect(many.match('default', 'POST', `/oauth/token${i % 2 ? '/' : ''}`)).toMatchObject({ kind: 'route', route: token })
    for (let i = 0; i < 600; i++) expect(many.match('default', 'GET', `/a/${i}`)).toEqual({ kind: 'route', route: any, params: { '*': String(i) } })
  })
})
