import { PROFILES } from '../../profiles/index.js'
import { invalidIdTokenScenario } from '../common.js'

const standardProfile = PROFILES.standard

export default invalidIdTokenScenario(standardProfile, 'unexpected-azp')
